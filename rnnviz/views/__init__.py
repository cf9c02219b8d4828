"""The data behind each view the pages draw, one module per view, with no Streamlit here.

Pages stay thin (read the session, call these, hand the results to `rnnviz.charts`), and
every number a page shows can be checked in a unit test.
"""
