"""Forms of the shared pages (log-in, password change and reset)."""

from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext as _

from .services import user_change_own_password


class LoginForm(AuthenticationForm):
    """Django's log-in form with Tabler classes and the browser hints a phone needs."""

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].widget.attrs.update(
            {"class": "form-control", "autocomplete": "username", "autocapitalize": "none"}
        )
        self.fields["password"].widget.attrs.update(
            {"class": "form-control", "autocomplete": "current-password"}
        )


def _style(form, autocomplete: dict[str, str]) -> None:
    for name, hint in autocomplete.items():
        form.fields[name].widget.attrs.update({"class": "form-control", "autocomplete": hint})


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """The old password, then the new one twice; saved through the audited service."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(
            self,
            {
                "old_password": "current-password",
                "new_password1": "new-password",
                "new_password2": "new-password",
            },
        )

    def save(self, commit=True):
        return user_change_own_password(
            user=self.user,
            password=self.cleaned_data["new_password1"],
            reason=_("changed by the user on the password page"),
        )


class SetPasswordForm(auth_forms.SetPasswordForm):
    """The new password twice, behind a valid reset link; saved through the audited service."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self, {"new_password1": "new-password", "new_password2": "new-password"})

    def save(self, commit=True):
        return user_change_own_password(
            user=self.user,
            password=self.cleaned_data["new_password1"],
            reason=_("reset through an e-mailed link"),
        )


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset request: it mails active accounts with a usable password and that
    address, and tells nobody whether there was one."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self, {"email": "email"})
        self.fields["email"].widget.attrs["autocapitalize"] = "none"
