"""PoseStudio's Qt front end (installed as ``posestudio.ui``)."""
