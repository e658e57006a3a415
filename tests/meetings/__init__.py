"""Tests of the meetings package."""
