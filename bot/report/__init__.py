"""The evaluation report: a rally's figures, as charts in a PDF and as a CSV table.

`figures` computes every figure from the database (the one place), `charts` draws them,
`document` lays them out as HTML, `table` writes the CSV, and `files` puts it together (the
PDF made by `bot.printing.pdf`); `labels` holds the report's words (French, English), `survey`
reads the survey's answers when the survey is stored. `python -m bot report` and `/report`
make it.
"""
