"""The framework's floor: a bare one-widget Streamlit page, served by the same Python.

It is served at "/" and, as the same page, at the deep link "/deep": a deep link makes the
browser probe "<page>/_stcore/health" before the server's own (a 404 and a retry that every
deep-linked Streamlit page pays), so each page of the app is compared with the floor at the
same kind of address.
"""

import streamlit as st


def weight_page() -> None:
    weight = st.number_input("Weight (kg)", min_value=30.0, max_value=300.0, value=70.0, key="bare_weight")
    st.write(f"8 mg/kg → {min(weight * 8, 800):.0f} mg")


st.navigation([st.Page(weight_page, title="Bare", url_path="bare", default=True),
               st.Page(weight_page, title="Deep", url_path="deep")], position="hidden").run()
