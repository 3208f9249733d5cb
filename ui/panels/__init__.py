"""Dock panels of the main window; each refreshes from the document and pushes edits."""
