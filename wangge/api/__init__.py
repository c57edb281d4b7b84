"""REST API v1 (django-ninja): mounts each app's router; bearer tokens; stable error codes."""
