"""URLs of the web app."""

from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path

from wangge.web import (
    assistance,
    assistance_rounds,
    cases,
    cobuilding,
    dashboard,
    fieldwork,
    fieldwork_team,
    fieldwork_visits,
    imports,
    members,
    offline,
    password,
    people,
    resources,
    second_factor,
    social_orgs,
    team,
    units,
    views,
    volunteers,
    volunteers_keep,
    wishes,
)

urlpatterns: list[URLPattern | URLResolver] = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", password.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    *second_factor.urlpatterns,
    path("", views.home, name="home"),
    path("map/grids.geojson", views.grids_geojson, name="map_grids"),
    path("map/buildings.geojson", views.buildings_geojson, name="map_buildings"),
    path("areas/<int:pk>/", views.area, name="area"),
    path("coverage/", views.coverage, name="coverage"),
    path("coverage.xlsx", views.coverage_xlsx, name="coverage_xlsx"),
    path("cases/", cases.case_list, name="cases"),
    path("cases/new/", cases.case_new, name="case_new"),
    path("cases/new/questions/", cases.case_questions, name="case_questions"),
    path("places/buildings/", cases.place_search, name="place_search"),
    path("cases/map/", cases.case_map, name="case_map"),
    path("cases/map.geojson", cases.case_map_data, name="case_map_data"),
    path("cases/<int:pk>/", cases.case, name="case"),
    path("cases/<int:pk>/steps/<slug:step>/", cases.case_step, name="case_step"),
    path("cases/<int:pk>/co-handlings/<int:co_id>/finish/", cases.co_handling_finish, name="co_handling_finish"),
    path("cases/<int:pk>/extensions/<int:extension_id>/decide/", cases.extension_decide, name="extension_decide"),
    path("notifications/", cases.notifications, name="notifications"),
    path("board/", cases.board, name="board"),
    path("board.geojson", cases.board_data, name="board_data"),
    path("board/grids.geojson", cases.board_grids, name="board_grids"),
    path("people/", people.person_search, name="people"),
    path("people/<int:pk>/", people.person, name="person"),
    path("people/<int:pk>/reveal/", people.person_reveal, name="person_reveal"),
    path("imports/", imports.import_list, name="imports"),
    path("imports/new/", imports.import_new, name="import_new"),
    path("imports/<int:pk>/", imports.import_run, name="import_run"),
    path("imports/<int:pk>/commit/", imports.import_commit, name="import_commit"),
    path("imports/<int:pk>/discard/", imports.import_discard, name="import_discard"),
    path("imports/<int:pk>/report.xlsx", imports.import_report, name="import_report"),
    path("imports/review/", imports.review_list, name="review_queue"),
    path("imports/review/<int:pk>/", imports.review_item, name="review_item"),
    path("imports/review/<int:pk>/decide/", imports.review_decide, name="review_decide"),
    path("imports/review/<int:pk>/merges/<int:merge_id>/undo/", imports.review_undo, name="review_undo"),
]

# The handling units and their staff (district administrators).
urlpatterns += [
    path("units/", units.unit_list, name="units"),
    path("units/new/", units.unit_create, name="unit_create"),
    path("units/<int:pk>/edit/", units.unit_update, name="unit_update"),
    path("units/<int:pk>/staff/", units.unit_staff_add, name="unit_staff_add"),
    path("units/<int:pk>/staff/<int:user_id>/remove/", units.unit_staff_remove, name="unit_staff_remove"),
]

# The district's administration pages (wangge.web.manage).
urlpatterns += [path("manage/", include("wangge.web.manage.urls"))]

# 困难帮扶: the worklist, dossiers and the paired member's page (wangge.web.assistance).
urlpatterns += [
    path("assistance/", assistance.worklist, name="assistance"),
    path("assistance/export.xlsx", assistance.export_xlsx, name="assistance_export"),
    path("assistance/households/<int:household_id>/open/", assistance.open_dossier, name="assistance_open"),
    path("assistance/dossiers/<int:pk>/", assistance.dossier_page, name="assistance_dossier"),
    path("assistance/dossiers/<int:pk>/change/", assistance.dossier_change, name="assistance_change"),
    path("assistance/mine/", assistance.my_pairs, name="assistance_mine"),
    path("assistance/rounds/", assistance_rounds.rounds, name="assistance_rounds"),
    path("assistance/rounds/new/<str:what>/", assistance_rounds.create, name="assistance_rounds_create"),
    path("assistance/rounds/<int:pk>/", assistance_rounds.round_page, name="assistance_round"),
    path("assistance/rounds/<int:pk>/upload/", assistance_rounds.round_upload, name="assistance_round_upload"),
    path("assistance/rounds/<int:pk>/commit/", assistance_rounds.round_commit, name="assistance_round_commit"),
    path("assistance/rounds/<int:pk>/discard/", assistance_rounds.round_discard, name="assistance_round_discard"),
    path("assistance/campaigns/<int:pk>/", assistance_rounds.campaign_page, name="assistance_campaign"),
    path("assistance/campaigns/<int:pk>/pair/", assistance_rounds.campaign_pair, name="assistance_campaign_pair"),
    path("assistance/mine/<int:pk>/help/", assistance.my_pair_help, name="assistance_mine_help"),
]

# Shared facilities (wangge.web.resources).
urlpatterns += [
    path("resources/", resources.catalogue, name="resources"),
    path("resources/facilities/<int:pk>/", resources.facility, name="resources_facility"),
    path("resources/facilities/<int:pk>/edit/", resources.facility_edit, name="resources_facility_edit"),
    path("resources/facilities/<int:pk>/photos/", resources.facility_photo_add, name="resources_facility_photo_add"),
    path(
        "resources/facilities/<int:pk>/photos/<int:photo>/",
        resources.facility_photo,
        name="resources_facility_photo",
    ),
    path(
        "resources/facilities/<int:pk>/photos/<int:photo>/remove/",
        resources.facility_photo_remove,
        name="resources_facility_photo_remove",
    ),
    path("resources/bookings/", resources.owner_bookings, name="resources_bookings"),
    path("resources/bookings/<int:pk>/<slug:step>/", resources.booking_step, name="resources_booking_step"),
    path("resources/utilisation/", resources.utilisation_page, name="resources_utilisation"),
    path("resources/social-orgs/", resources.social_orgs, name="resources_social_orgs"),
    path("resources/ledgers.xlsx", resources.ledgers_xlsx, name="resources_ledgers_xlsx"),
    path("resources/social-orgs/new/", social_orgs.org_new, name="social_org_new"),
    path("resources/social-orgs/<int:pk>/projects/new/", social_orgs.project_new, name="social_org_project_new"),
    # Co-building agreements, joint meetings and their decisions (wangge.web.cobuilding).
    path("resources/cobuilding/", cobuilding.home, name="cobuilding"),
    path("resources/cobuilding/agreements/new/", cobuilding.agreement_new, name="cobuilding_agreement_new"),
    path("resources/cobuilding/agreements/<int:pk>/", cobuilding.agreement, name="cobuilding_agreement"),
    path("resources/cobuilding/meetings/new/", cobuilding.meeting_new, name="cobuilding_meeting_new"),
    path("resources/cobuilding/meetings/<int:pk>/", cobuilding.meeting, name="cobuilding_meeting"),
    path("resources/cobuilding/meetings/<int:pk>/decisions/", cobuilding.decision_add, name="cobuilding_decision_add"),
    path("resources/cobuilding/decisions/<int:pk>/done/", cobuilding.decision_done, name="cobuilding_decision_done"),
    path("resources/cobuilding/decisions/<int:pk>/case/", cobuilding.decision_case, name="cobuilding_decision_case"),
]
# The team's roster and assessment (wangge.web.team).
urlpatterns += [
    path("team/", team.roster, name="team"),
    path("team/roster.xlsx", team.roster_xlsx, name="team_roster_xlsx"),
    path("team/assessment/run/", team.run, name="team_run"),
    path("team/workers/<int:pk>/", team.worker, name="team_worker"),
    path("team/scores/<int:pk>/", team.score, name="team_score"),
    path("team/scores/<int:pk>/adjust/", team.adjust, name="team_adjust"),
    path("team/scores/<int:pk>/appeal/", team.appeal, name="team_appeal"),
    path("members/mine/", members.mine, name="members_mine"),
    path("members/mine/<str:step>/", members.mine_step, name="members_mine_step"),
    path("members/community/", members.community, name="members_community"),
    path("members/community/<str:step>/", members.community_step, name="members_community_step"),
    path("wishes/", wishes.wish_list, name="wishes"),
    path("wishes/post/", wishes.wish_post, name="wish_post"),
    path("wishes/<int:pk>/<str:step>/", wishes.wish_step, name="wish_step"),
]

# Volunteers (wangge.web.volunteers).
urlpatterns += [
    path("volunteers/", volunteers.station_page, name="volunteers"),
    path("volunteers/activities/<int:pk>/", volunteers.activity_page, name="volunteers_activity"),
    path("volunteers/activities/<int:pk>/<slug:step>/", volunteers.activity_step, name="volunteers_activity_step"),
    path("volunteers/scan/<int:pk>/", volunteers.scan, name="volunteers_scan"),
    path("volunteers/hours/", volunteers.my_hours, name="volunteers_hours"),
    path("volunteers/hours/log/", volunteers.log_hours, name="volunteers_log_hours"),
    path("volunteers/hours/<int:pk>/<slug:step>/", volunteers.decide_hours, name="volunteers_decide_hours"),
    path("volunteers/certificate.pdf", volunteers.certificate, name="volunteers_certificate"),
    path("volunteers/station/new/", volunteers_keep.station_open, name="volunteers_station_open"),
    path("volunteers/stations/<int:station_pk>/teams/new/", volunteers_keep.team_new, name="volunteers_team_new"),
    path("volunteers/teams/<int:pk>/", volunteers_keep.team_page, name="volunteers_team"),
    path(
        "volunteers/stations/<int:station_pk>/register/",
        volunteers_keep.volunteer_register,
        name="volunteers_register",
    ),
    path(
        "volunteers/stations/<int:station_pk>/activities/new/",
        volunteers_keep.activity_new,
        name="volunteers_activity_new",
    ),
    path("volunteers/keep/activities/<int:pk>/edit/", volunteers_keep.activity_edit, name="volunteers_activity_edit"),
    path(
        "volunteers/keep/activities/<int:pk>/cancel/",
        volunteers_keep.activity_cancel,
        name="volunteers_activity_cancel",
    ),
    path("volunteers/approvals/", volunteers_keep.approvals, name="volunteers_approvals"),
    path("volunteers/certificates/verify/", volunteers_keep.certificate_verify, name="volunteers_verify"),
]

# The grid team's field work on a phone (wangge.web.fieldwork).
urlpatterns += [
    path("fieldwork/", fieldwork.fieldwork_home, name="fieldwork"),
    path("fieldwork/grids/<int:pk>/briefing/", fieldwork.briefing, name="fieldwork_briefing"),
    path("fieldwork/tasks/<int:pk>/case/", fieldwork.task_case, name="fieldwork_task_case"),
    path("fieldwork/grids/<int:pk>/team/", fieldwork_team.team, name="fieldwork_team"),
    path("fieldwork/grids/<int:pk>/team/roles/", fieldwork_team.role_add, name="fieldwork_team_role_add"),
    path(
        "fieldwork/grids/<int:pk>/team/roles/<int:assignment_id>/remove/",
        fieldwork_team.role_remove,
        name="fieldwork_team_role_remove",
    ),
    path("fieldwork/grids/<int:pk>/team/zones/", fieldwork_team.zone_add, name="fieldwork_team_zone_add"),
    path(
        "fieldwork/grids/<int:pk>/team/zones/<int:link_id>/remove/",
        fieldwork_team.zone_remove,
        name="fieldwork_team_zone_remove",
    ),
    path("fieldwork/grids/<int:pk>/patrol/", fieldwork.patrol, name="fieldwork_patrol"),
    path("fieldwork/grids/<int:pk>/qr/", fieldwork.qr_sheet, name="fieldwork_qr"),
    path("fieldwork/grids/<int:pk>/visits/", fieldwork.visit_list, name="fieldwork_visits"),
    path("fieldwork/patrols/<int:pk>/checkin/", fieldwork.checkin, name="fieldwork_checkin"),
    path("fieldwork/patrols/<int:pk>/finish/", fieldwork.patrol_finish, name="fieldwork_patrol_finish"),
    path("fieldwork/checkins/<int:pk>/case/", fieldwork.checkin_case, name="fieldwork_checkin_case"),
    path("fieldwork/checkin/<int:pk>/", fieldwork.building_checkin, name="fieldwork_building_checkin"),
    path("fieldwork/households/<int:pk>/visit/", fieldwork.visit_new, name="fieldwork_visit_new"),
    path("fieldwork/visits/<int:pk>/", fieldwork_visits.visit_detail, name="fieldwork_visit"),
    path("fieldwork/visits/<int:pk>/registry/", fieldwork_visits.visit_registry, name="fieldwork_visit_registry"),
    path("fieldwork/compliance/", fieldwork.compliance_page, name="fieldwork_compliance"),
    path("fieldwork/compliance.xlsx", fieldwork.compliance_xlsx, name="fieldwork_compliance_xlsx"),
]

# The field pages as an installable web app working offline (wangge.web.offline).
urlpatterns += [
    path("manifest.webmanifest", offline.manifest, name="manifest"),
    path("sw.js", offline.service_worker, name="service_worker"),
    path("fieldwork/offline/", offline.shell, name="fieldwork_offline"),
    path("fieldwork/grids/<int:pk>/offline.json", offline.grid_data, name="fieldwork_grid_data"),
]

# 数据看板 (wangge.web.dashboard).
urlpatterns += [
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/screen/", dashboard.screen, name="dashboard_screen"),
    path("dashboard/export.xlsx", dashboard.dashboard_xlsx, name="dashboard_xlsx"),
    path("dashboard/report.pdf", dashboard.dashboard_pdf, name="dashboard_pdf"),
    path("dashboard/figures/<slug:key>/", dashboard.figure_records, name="dashboard_records"),
]
