from typing import Literal

DisabledSafetyPolicy = Literal[
    "account_creation",
    "communication_tool",
    "data_modification",
    "financial_transactions",
    "legal_terms_and_agreements",
    "sensitive_data_modification",
    "user_consent_management",
]

DISABLED_SAFETY_POLICY_VALUES: set[DisabledSafetyPolicy] = {
    "account_creation",
    "communication_tool",
    "data_modification",
    "financial_transactions",
    "legal_terms_and_agreements",
    "sensitive_data_modification",
    "user_consent_management",
}


def check_disabled_safety_policy(value: str) -> DisabledSafetyPolicy:
    if value in DISABLED_SAFETY_POLICY_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {DISABLED_SAFETY_POLICY_VALUES!r}")
