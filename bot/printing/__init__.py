"""Printed material, as PDFs made from HTML (`pdf`): the QR cards of the teams and the stages
(`qr_cards`), the certificate of participation (`certificate`) and the city guide (`guide`)."""
