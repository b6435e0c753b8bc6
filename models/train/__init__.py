"""Training the int8 landmark model by distillation from the float one (optional extra:
``pip install -e .[train]``; nothing here is imported by the device or by ``make test``)."""
