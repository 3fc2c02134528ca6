from django.urls import path

from cifta.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("profile/", views.profile, name="profile"),
    path("switch/", views.switch_membership, name="switch_membership"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("password/reset/complete/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("2fa/setup/", views.totp_setup, name="totp_setup"),
    path("2fa/verify/", views.totp_verify, name="totp_verify"),
    path("tokens/new/", views.token_create, name="token_create"),
    path("tokens/<uuid:public_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("users/", views.member_list, name="member_list"),
    path("users/new/", views.member_new, name="member_new"),
    path("users/<uuid:public_id>/", views.member_edit, name="member_edit"),
]
