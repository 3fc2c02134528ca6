"""Bulk import of firearm records (CSV, XLSX), saved column mappings and background runs.

    engine.import_firearms(actor=..., country_id=..., path=...)   command line and tests
    engine.job_for_file / run_job                                 the steps, for the web pages
    background.start(job, user=..., path=...)                     a run in a thread
"""
