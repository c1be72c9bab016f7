"""Page layout, templates, static assets and the FastAPI application."""
