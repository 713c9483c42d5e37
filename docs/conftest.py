"""pytest collects the doctests of the user guide (docs/**/*.rst).

The snippets train tiny networks; on one torch thread they run fastest and do
not spin against whatever else the machine is doing.
"""

import pytest

# conf.py is Sphinx's, and these are build outputs (copies of the examples
# among them, which importing would run).
collect_ignore = ["conf.py"]
collect_ignore_glob = ["_build/*", "auto_examples/*", "generated/*", "sg_execution_times.rst"]


@pytest.fixture(autouse=True)
def _one_torch_thread():
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
