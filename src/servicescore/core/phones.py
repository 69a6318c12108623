"""Customers' phone numbers as roles that do not need them whole see them."""


def mask_phone(phone: str) -> str:
    """138****1234: keep the first three and last four digits."""
    if not phone:
        return ""
    if len(phone) <= 7:
        return phone[:1] + "*" * (len(phone) - 1)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
