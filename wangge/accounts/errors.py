"""The stable error codes of accounts: users, roles and API tokens, each with its HTTP status and a
one-line meaning. The message the user reads is the translated text given where it is raised."""

from wangge.lib.errors import ErrorCode


class AccountError(ErrorCode):
    USERNAME_TAKEN = "username_taken", 400, "the user name is already taken"
    USERNAME_INVALID = (
        "username_invalid",
        400,
        "the user name is empty, too long or has characters a user name cannot have",
    )
    DISPLAY_NAME_TOO_LONG = "display_name_too_long", 400, "the display name is longer than 100 characters"
    PASSWORD_INVALID = "password_invalid", 400, "the password is too short or too common"
    UNKNOWN_ROLE = "unknown_role", 400, "not a role of the platform"
    FIRST_ROLE_REQUIRED = "first_role_required", 400, "a new user needs a first role and the area it covers"
    USER_NOT_FOUND = "user_not_found", 404, "no such user among those you administer"
    AREA_NOT_FOUND = "area_not_found", 404, "no such area among those you may grant roles over"
    ROLE_NOT_FOUND = "role_not_found", 404, "no such role assignment among those you may remove"
    ROLE_NOT_GRANTABLE = "role_not_grantable", 403, "you may not grant or remove this role over this area"
    ACCOUNT_OUT_OF_REACH = (
        "account_out_of_reach",
        403,
        "the user holds roles you do not administer; their account is not yours to change",
    )
    CANNOT_DEACTIVATE_SELF = "cannot_deactivate_self", 409, "you cannot deactivate your own account"
    TOKEN_NOT_FOUND = "token_not_found", 404, "no such API token among those you administer"
    TOKEN_NAME_INVALID = "token_name_invalid", 400, "the token name is blank or longer than 100 characters"
    USER_INACTIVE = "user_inactive", 400, "the user is deactivated"
    REASON_TOO_LONG = "reason_too_long", 400, "the reason stated is longer than 500 characters"
    SECOND_FACTOR_REQUIRED = (
        "second_factor_required",
        403,
        "personal data is shown in clear only after a second factor (authenticator code) is verified in this session",
    )
    SECOND_FACTOR_CODE_WRONG = "second_factor_code_wrong", 400, "the authenticator or recovery code is not right"
    SECOND_FACTOR_THROTTLED = (
        "second_factor_throttled",
        429,
        "too many wrong codes: codes are refused for a while (1 s, 2, 4, 8 … doubling)",
    )
    SECOND_FACTOR_NOT_ENROLLED = "second_factor_not_enrolled", 409, "the user has no authenticator app set up"
    SECOND_FACTOR_NOT_PENDING = "second_factor_not_pending", 409, "no enrolment of an authenticator app was started"
