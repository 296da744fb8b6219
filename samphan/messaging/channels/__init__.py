"""Channels: one small interface per way of reaching a customer (LINE today)."""
