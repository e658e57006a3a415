"""VanThu signing package."""
