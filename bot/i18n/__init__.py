"""Translations: the interface catalogs (Babel), language negotiation, and the coverage check."""
