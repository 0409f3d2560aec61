"""Widgets and dialogs the window is built from: the form, the run table, the model picker,
prompts, icons and the theme."""
