"""The offline demo: the real bot against a loopback Bot API inside this process, played here.

`python -m bot demo` seats the person at the keyboard in a team (`bot.demo.player`);
`--as organiser` or `--as admin` in the staff's chair, while simulated teams play the day
(`bot.demo.staff`, `bot.demo.simulated`). Either way the bot is the real `Application` over
HTTP against the loopback Telegram, on a throwaway SQLite database (`bot.demo.offline`), and
the terminal shows the person's own chat (`bot.demo.terminal`). Nothing touches the network.

`bot.demo.session` runs it; `bot.demo.options` holds what it was asked (light to import: the
command line reads its choices without loading the bot).
"""
