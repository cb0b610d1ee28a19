"""Marketplace connection settings (Shopee Open Platform app, token encryption)."""

import environ

env = environ.Env()
