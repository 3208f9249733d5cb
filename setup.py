"""Package layout: the top-level folders ui/, rigs/ and resources/ install as posestudio.ui,
posestudio.rigs and posestudio.resources, so a wheel works with no checkout beside it."""

from setuptools import find_namespace_packages, setup

ROOTS = {"posestudio": "posestudio", "posestudio.ui": "ui",
         "posestudio.rigs": "rigs", "posestudio.resources": "resources"}
DATA = ["*.npz", "*.json", "*.png", "*.jpg", "*.bvh", "*.txt", "*.md", "*.svg"]

packages, package_dir = [], {}
for name, folder in ROOTS.items():
    package_dir[name] = folder
    packages.append(name)
    for sub in find_namespace_packages(where=folder, exclude=["*__pycache__*"]):
        packages.append(f"{name}.{sub}")
        package_dir[f"{name}.{sub}"] = f"{folder}/{sub.replace('.', '/')}"

setup(packages=packages, package_dir=package_dir,
      package_data={name: DATA for name in packages}, include_package_data=False)
