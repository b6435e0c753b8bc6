"""Reporting to a gym's MQTT broker: the device side (config, outbox, publisher)."""
