"""The signing pages: blueprint, views, administration, verification pages, forms."""
