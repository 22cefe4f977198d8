"""Writing a rally: a starting file (`new-rally`), the rally as a spreadsheet (`sheet`), its
texts for translators (`translations`), practical cards from public data (`cards`); every edit
made in the rally file itself, keeping its comments (`bot.authoring.document`)."""
