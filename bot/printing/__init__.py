"""Printed material: the QR cards of the teams and the stages."""
