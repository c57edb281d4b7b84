"""Users, role assignments (role + area node = scope), API tokens and the audit log."""

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from wangge.lib.models import TimeStamped


class User(AbstractUser):
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    # Set when an administrator resets the password: the next login must choose a new one.
    must_change_password = models.BooleanField(_("must change password"), default=False)

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")  # type: ignore[assignment]
        verbose_name_plural = _("users")  # type: ignore[assignment]
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name or self.username


class Role(models.TextChoices):
    DISTRICT_ADMIN = "district_admin", _("District administrator")
    COMMUNITY_STAFF = "community_staff", _("Community committee staff")
    GRID_SECRETARY = "grid_secretary", _("Grid secretary")
    GRID_LEADER = "grid_leader", _("Grid leader")
    GRID_WORKER = "grid_worker", _("Grid worker")
    MEMBER = "member", _("Member")
    VOLUNTEER = "volunteer", _("Volunteer")
    DEPARTMENT = "department", _("Functional department")
    SUPERVISOR = "supervisor", _("Supervisor")
    RESIDENT_UNIT = "resident_unit", _("Resident unit")
    SOCIAL_ORG = "social_org", _("Social organisation")
    RESIDENT = "resident", _("Resident")


# Roles that may read residents' personal data (masked) in their scope and reveal it with a reason.
PERSONAL_DATA_ROLES = {
    Role.DISTRICT_ADMIN,
    Role.COMMUNITY_STAFF,
    Role.GRID_SECRETARY,
    Role.GRID_LEADER,
    Role.GRID_WORKER,
}


class RoleAssignment(TimeStamped):
    district = models.ForeignKey(
        "areas.AreaNode", verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="assignments")
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    area = models.ForeignKey("areas.AreaNode", verbose_name=_("scope"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        ordering = ["user_id", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "area"], name="assignment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.area}"


class ApiToken(TimeStamped):
    """A REST bearer token. Only its SHA-256 is stored; the token is shown once on creation."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    digest = models.CharField(_("digest"), max_length=64, unique=True)
    prefix = models.CharField(_("prefix"), max_length=8)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class AuditAction(models.TextChoices):
    LOGIN = "login", _("Logged in")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOGOUT = "logout", _("Logged out")
    ROLE_GRANTED = "role_granted", _("Role granted")
    ROLE_REVOKED = "role_revoked", _("Role revoked")
    PERSONAL_DATA_VIEWED = "personal_data_viewed", _("Personal data viewed")
    PERSONAL_DATA_REVEALED = "personal_data_revealed", _("Personal data revealed")
    EXPORTED = "exported", _("Exported")
    TOKEN_CREATED = "token_created", _("API token created")
    TOKEN_REVOKED = "token_revoked", _("API token revoked")
    API_KEY_CREATED = "api_key_created", _("Open311 API key created")
    API_KEY_REVOKED = "api_key_revoked", _("Open311 API key revoked")
    GRIDS_IMPORTED = "grids_imported", _("Grid boundaries imported")
    PERSON_CORRECTED = "person_corrected", _("Personal data corrected")
    PERSON_ANONYMISED = "person_anonymised", _("Person anonymised")
    ACCESS_REPORT = "access_report", _("Personal data access report")
    KEYS_ROTATED = "keys_rotated", _("Encryption keys rotated")
    IMPORT_HELD = "import_held", _("Imported row about a person outside the importer's area held for review")
    UNIT_STAFF_ADDED = "unit_staff_added", _("Staff added to a handling unit")
    UNIT_STAFF_REMOVED = "unit_staff_removed", _("Staff removed from a handling unit")
    USER_CREATED = "user_created", _("User created")
    USER_DEACTIVATED = "user_deactivated", _("User deactivated")
    USER_REACTIVATED = "user_reactivated", _("User reactivated")
    PASSWORD_RESET = "password_reset", _("Password reset")
    PASSWORD_CHANGED = "password_changed", _("Password changed by its user")
    UNIT_CHANGED = "unit_changed", _("Handling unit created or changed")
    ORG_SETTINGS_CHANGED = "org_settings_changed", _("Organisation level names or resident units changed")
    CATALOGUE_CHANGED = "catalogue_changed", _("Case catalogue changed")
    ROUTING_CHANGED = "routing_changed", _("Routing rules changed")
    CALENDAR_PUBLISHED = "calendar_published", _("Work calendar published")
    CALENDAR_DAY_SET = "calendar_day_set", _("Work calendar day set")
    ONBOARDING_IMPORTED = "onboarding_imported", _("District files imported")
    VISIT_REVEALED = "visit_revealed", _("Household visit's needs and note revealed")
    GRID_TEAM_CHANGED = "grid_team_changed", _("Grid team changed")
    DOSSIER_VIEWED = "dossier_viewed", _("Assistance dossier viewed")
    DOSSIER_CHANGED = "dossier_changed", _("Assistance dossier changed")
    FACILITY_CHANGED = "facility_changed", _("Shared facility created or changed")
    BOOKING_MADE = "booking_made", _("Facility booked")
    BOOKING_DECIDED = "booking_decided", _("Facility booking approved or refused")
    BOOKING_CANCELLED = "booking_cancelled", _("Facility booking cancelled")
    BOOKING_ATTENDANCE = "booking_attendance", _("Facility booking checked in or marked as a no-show")
    SOCIAL_ORG_CHANGED = "social_org_changed", _("Social organisation registered or changed")
    PROJECT_CHANGED = "project_changed", _("Social organisation's project recorded or changed")
    AGREEMENT_CHANGED = "agreement_changed", _("Co-building agreement signed or renewed")
    MEETING_RECORDED = "meeting_recorded", _("Joint meeting or residents' consultation recorded")
    DECISION_CHANGED = "decision_changed", _("Meeting decision given or done")
    ASSESSMENT_RUN = "assessment_run", _("Assessment period computed")
    SCORE_ADJUSTED = "score_adjusted", _("Assessment stars adjusted")
    SCORE_APPEALED = "score_appealed", _("Assessment appealed")
    APPEAL_DECIDED = "appeal_decided", _("Assessment appeal decided")
    MEMBER_REGISTERED = "member_registered", _("Member registered with the community")
    SECOND_FACTOR_ENROLLED = "second_factor_enrolled", _("Authenticator app set up for two-factor login")
    SECOND_FACTOR_VERIFIED = "second_factor_verified", _("Second factor verified")
    SECOND_FACTOR_FAILED = "second_factor_failed", _("Wrong second-factor code")
    SECOND_FACTOR_RESET = "second_factor_reset", _("Second factor reset by an administrator")
    RECOVERY_CODES_RENEWED = "recovery_codes_renewed", _("Recovery codes renewed")
    VOLUNTEER_CHANGED = "volunteer_changed", _("Volunteer station, team or registration changed")
    ACTIVITY_CHANGED = "activity_changed", _("Volunteer activity created or changed")
    ACTIVITY_SIGNUP = "activity_signup", _("Volunteer activity signed up for, cancelled or joined")
    ACTIVITY_ATTENDANCE = "activity_attendance", _("Volunteer checked in or out of an activity")
    HOURS_LOGGED = "hours_logged", _("Volunteer hours logged")
    HOURS_DECIDED = "hours_decided", _("Volunteer hours approved or rejected")
    CERTIFICATE_ISSUED = "certificate_issued", _("Certificate of volunteer hours issued")


class AppendOnlyError(Exception):
    pass


class AuditEvent(models.Model):
    """Append-only: rows are inserted and never changed or deleted through the ORM."""

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    district = models.ForeignKey(
        "areas.AreaNode", verbose_name=_("district"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(
        User, verbose_name=_("actor"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Kept as text so a failed login for a name that is no user is still recorded.
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=40, choices=AuditAction.choices)
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [
            # "Who looked at this person?" and "what did this user do?"
            models.Index(fields=["object_type", "object_id", "at"], name="audit_object"),
            models.Index(fields=["actor", "at"], name="audit_actor"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit events cannot be deleted.")
