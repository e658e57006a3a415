"""VanThu core package."""
