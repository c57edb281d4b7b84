"""Running the platform: `wangge serve` (gunicorn), `wangge backup` and `wangge restore`, and the
health check behind `/healthz` (docs/deploy.md)."""
