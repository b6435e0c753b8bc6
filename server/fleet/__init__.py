"""The fleet hub: one server that stores every device's sessions from the MQTT broker and
serves their review and a live board (``treadwatch hub``). Not to be confused with
``server.hub``, the live page's WebSocket fan-out on each device."""
