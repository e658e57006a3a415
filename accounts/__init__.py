"""VanThu accounts package."""
