"""The list of pages in the sidebar, drawn by the app itself.

Streamlit's own page list is off (`client.showSidebarNavigation = false` in .streamlit/config.toml): on a
fresh server's first visit Streamlit would otherwise list the files in `pages/` by file name until main.py's
st.navigation replaced them. The links carry the pages' real titles from the first frame on.
This module must not import torch (ui.loading draws it before torch is loaded).
"""

from __future__ import annotations

import streamlit as st

KEY = "page_links"


def page_links(pages) -> None:
    """One link per page (st.Page objects), the current one highlighted by Streamlit, in the sidebar."""
    st.markdown("#### Pages")
    with st.container(key=KEY, gap="small"):
        for page in pages:
            st.page_link(page, label=page.title, width="stretch")
