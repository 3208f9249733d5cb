"""Writing results to disk: atomic output (files and folders) and posed-mesh export.

Nothing here imports Qt; ``mesh`` imports trimesh only when a mesh is written.
"""
