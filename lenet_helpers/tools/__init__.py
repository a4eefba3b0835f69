"""The series' tools: :mod:`.notebooks` (run the notebooks with papermill) and :mod:`.website`
(the executed notebooks as a static web site, with its nbconvert template in ``site_template/``)."""
