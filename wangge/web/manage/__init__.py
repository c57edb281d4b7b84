"""The district's administration pages (/manage/): users and roles, the case catalogue,
routing, the work calendar, keys and tokens, onboarding from the district's own files, and the
go-live checklist. One module per topic, each with its own `urlpatterns`; the hub (`hub.py`)
lists the sections the user may use (`wangge.web.pages.allowed`)."""
