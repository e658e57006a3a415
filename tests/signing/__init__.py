"""Tests of the signing package: PKI, keys, CMS, verification and bundles."""
