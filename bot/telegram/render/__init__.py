"""What the bot says, in one reader's language: one module per audience or screen."""
