"""tb-histdiag: a TensorBoard plugin that diagnoses gradient health from histograms."""

import os

import setuptools

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "README.md"), encoding="utf-8") as f:
    LONG_DESCRIPTION = f.read()

TEST = [
    "pytest>=8",
    "pytest-timeout",
    "pytest-xdist>=3.5",
    "hypothesis>=6",
    "playwright==1.65.2",
    "tensorflow-cpu==2.21.0",
    "torch==2.13.0",
    "tensorboardX==2.6.5",
    "matplotlib>=3.8",
    "nbclient>=0.10",
    "nbformat>=5",
    "ipykernel>=6",
    "dask[distributed]>=2024.1",  # tests/test_dask.py (a real LocalCluster)
    "moto[server]>=5.0",  # tests/test_s3.py (a real S3 endpoint on loopback)
    "boto3>=1.34",
]
DEMO = ["tensorflow-cpu==2.21.0", "torch==2.13.0", "tensorboardX==2.6.5"]
NOTEBOOK = ["matplotlib>=3.8"]
DASK = ["dask[distributed]>=2024.1"]  # tb-histdiag report --scheduler, diagnose(client=...)
S3 = ["boto3>=1.34"]  # s3:// logdirs through TensorBoard's S3 file system
MUTATION = ["mutmut==3.8.1", "pytest>=8"]  # make mutation (tests/mutation/)

setuptools.setup(
    name="tb-histdiag",
    version="0.2.0",
    description="A TensorBoard tab that turns histogram summaries into per-layer gradient-health diagnoses",
    long_description=LONG_DESCRIPTION,
    long_description_content_type="text/markdown",
    python_requires=">=3.9",
    packages=setuptools.find_packages(include=["tb_histdiag_plugin", "tb_histdiag_plugin.*"]),
    package_data={"tb_histdiag_plugin": ["static/*.js", "http_api.md"]},
    install_requires=["tensorboard>=2.12", "numpy>=1.22", "werkzeug>=2"],
    extras_require={"test": TEST, "demo": DEMO, "notebook": NOTEBOOK,
                    "mutation": MUTATION, "dask": DASK, "s3": S3},
    entry_points={
        "tensorboard_plugins": ["histdiag = tb_histdiag_plugin.entry_point:HistDiagLoader"],
        "console_scripts": ["tb-histdiag = tb_histdiag_plugin.cli:console_main"],
    },
    license="Apache-2.0",
)
