import pytest

from pangting.lib.phone import is_valid_phone, mask_phone, normalize_phone


@pytest.mark.parametrize("raw", ["13812345678", "+86 138 1234 5678", "0577-88881234", "010-1234567-89"])
def test_it_accepts_real_mobile_and_landline_numbers(raw):
    assert is_valid_phone(normalize_phone(raw))


@pytest.mark.parametrize("raw", ["", "12345", "23812345678", "1381234567", "abc", "138123456789"])
def test_it_rejects_what_is_not_a_phone_number(raw):
    assert not is_valid_phone(normalize_phone(raw))


def test_it_masks_the_middle_of_a_mobile_number():
    assert mask_phone("13812345678") == "138****5678"


def test_it_masks_a_landline_without_revealing_the_subscriber_number():
    masked = mask_phone("0577-88881234")
    assert masked.startswith("0577") and masked.endswith("34") and "8888" not in masked
