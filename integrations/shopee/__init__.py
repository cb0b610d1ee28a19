"""Shopee Open Platform v2 integration: signing, client, adapter, push auth, simulator."""
