"""VanThu documents package."""
