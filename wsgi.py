"""WSGI entry point for production servers: `gunicorn --worker-class gthread --threads 200
--worker-connections 200 wsgi:app` (README, *Running in production*: each meeting-room device
keeps a stream, and so a thread, open)."""

from core.app import create_app

app = create_app()
