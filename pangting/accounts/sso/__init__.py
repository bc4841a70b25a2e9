"""Single sign-on: CAS, OpenID Connect, WeCom (政务微信) and DingTalk (浙政钉).

Each provider signs in existing, active accounts only, matched by one function
(`matching.match_account`); none creates users or roles, and the administrator duties keep
their local password. A provider is enabled only when configured (`providers.enabled`).
"""
