"""The pipeline: what moves between the marketplace and the database.

- inbound: the inbound event log and push processing (claimed, fetched outside any
  transaction, stored under the claim);
- reconcile and bulk_ingest: the pull-sync that recovers what a push missed, and its batched
  write;
- outbox and send_rules: replies out exactly once, after the marketplace's send policy;
- orders: the order, tracking and return cache behind the console's side panel;
- audit: the gap audit (`make audit`); housekeeping: retention of the two logs.
"""
