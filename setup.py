"""Packages, found rather than listed: each flat folder of the repository is installed
under the one ``schedbench`` namespace (``datasets/`` as ``schedbench.datasets``, so it
never shadows Hugging Face's ``datasets``). The metadata is in pyproject.toml."""

from setuptools import find_packages, setup

ROOTS = {
    "schedbench": "schedbench",
    "schedbench.datasets": "datasets",
    "schedbench.solvers": "solvers",
    "schedbench.harness": "harness",
    "schedbench.conf": "conf",
    "schedbench.studies": "studies",
}
package_dir = {}
packages = []
for name, folder in ROOTS.items():
    package_dir[name] = folder
    packages.append(name)
    for sub in find_packages(folder):
        packages.append(f"{name}.{sub}")
        package_dir[f"{name}.{sub}"] = f"{folder}/{sub.replace('.', '/')}"

setup(
    packages=packages,
    package_dir=package_dir,
    package_data={
        "schedbench.datasets": ["*.genlib", "best_known/*.csv", "best_known/schedules/*.csv.gz"],
        "schedbench.conf": ["*.yaml", "**/*.yaml"],
    },
)
