"""The framework's floor: a bare one-widget Streamlit page, served by the same Python."""

import streamlit as st

weight = st.number_input("Weight (kg)", min_value=30.0, max_value=300.0, value=70.0, key="bare_weight")
st.write(f"8 mg/kg → {min(weight * 8, 800):.0f} mg")
