"""VanThu meetings package."""
