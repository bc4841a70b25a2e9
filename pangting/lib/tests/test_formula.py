"""The score-formula language (R-O14): parsing, evaluation, and what it refuses."""

from __future__ import annotations

import pytest

from pangting.lib.formula import MAX_LENGTH, FormulaError, Signature, compile_formula

VARIABLES = {"obs_score", "visits", "records"}
DOMAIN = {"red": Signature(1, 1, literal=True), "amber": Signature(1, 1, literal=True)}
DEFAULT = 'clamp(60 + 0.4 * coalesce(obs_score, 80) - 3 * red("*") - 1 * amber("*") - 5 * red("R-S2"), 0, 100)'


def compile_(text: str):
    return compile_formula(text, variables=VARIABLES, functions=DOMAIN)


def counts(**by_rule: int):
    return {"red": lambda r: by_rule.get(f"red:{r}", 0), "amber": lambda r: by_rule.get(f"amber:{r}", 0)}


def refusal(text: str) -> FormulaError:
    with pytest.raises(FormulaError) as caught:
        compile_(text).evaluate(dict.fromkeys(VARIABLES, 1.0), counts())
    return caught.value


def test_it_reports_the_variables_and_rule_ids_a_formula_uses():
    formula = compile_(DEFAULT)
    assert formula.variables == {"obs_score"}
    assert formula.literal_arguments(["red", "amber"]) == ["*", "R-S2"]
    assert [(c.name, c.args) for c in formula.calls] == [("red", ("*",)), ("amber", ("*",)), ("red", ("R-S2",))]


def test_it_evaluates_the_default_formula():
    formula = compile_(DEFAULT)
    values = {"obs_score": 85.0, "visits": 2.0, "records": 2.0}
    # 60 + 34 - 3*2 - 1*1 - 5*1 = 82
    assert formula.evaluate(values, counts(**{"red:*": 2, "amber:*": 1, "red:R-S2": 1})) == pytest.approx(82)


def test_it_uses_the_coalesce_default_for_a_unit_that_was_not_observed():
    formula = compile_(DEFAULT)
    assert formula.evaluate({"obs_score": None}, counts()) == pytest.approx(92)


def test_it_clamps_the_score_into_its_range():
    formula = compile_(DEFAULT)
    assert formula.evaluate({"obs_score": 0.0}, counts(**{"red:*": 30})) == 0


def test_it_follows_arithmetic_precedence_parentheses_and_unary_minus():
    assert compile_("2 + 3 * 4").evaluate({}, {}) == 14
    assert compile_("(2 + 3) * 4").evaluate({}, {}) == 20
    assert compile_("-visits + 10 / 4").evaluate({"visits": 1.0}, {}) == pytest.approx(1.5)


def test_it_treats_comparisons_as_one_or_zero():
    formula = compile_("100 - 5 * (visits < 2) - 2 * (1 <= records <= 3)")
    assert formula.evaluate({"visits": 1.0, "records": 2.0}, {}) == 93
    assert formula.evaluate({"visits": 2.0, "records": 4.0}, {}) == 100


def test_it_offers_min_max_abs_round_and_clamp():
    assert compile_("min(3, visits, 5)").evaluate({"visits": 1.0}, {}) == 1
    assert compile_("max(3, visits)").evaluate({"visits": 7.0}, {}) == 7
    assert compile_("abs(-2.5)").evaluate({}, {}) == 2.5
    assert compile_("round(2 / 3, 2)").evaluate({}, {}) == pytest.approx(0.67)
    assert compile_("clamp(120, 0, 100)").evaluate({}, {}) == 100


def test_it_accepts_full_width_punctuation_typed_by_chinese_input_methods():
    assert compile_("max（1，2）＋1").evaluate({}, {}) == 3


def test_it_accepts_a_formula_over_several_lines():
    assert compile_("60\n + 0.4 * coalesce(obs_score, 80)").evaluate({"obs_score": 100.0}, {}) == 100


def test_it_refuses_a_value_missing_without_coalesce():
    formula = compile_("60 + obs_score")
    with pytest.raises(FormulaError, match=r"obs_score.*没有取值.*coalesce"):
        formula.evaluate({"obs_score": None}, {})


def test_it_refuses_an_unknown_variable_naming_it_and_its_position():
    error = refusal("60 + score")
    assert error.position == 6
    assert "未知变量“score”" in str(error)
    assert str(error).startswith("第6个字符处")


def test_it_refuses_an_unknown_function():
    assert "未知函数“eval”" in str(refusal('eval("1")'))


def test_it_refuses_a_domain_function_argument_that_is_not_literal():
    assert "参数只能是带引号的文字或数字" in str(refusal("red(visits)"))


def test_it_refuses_the_wrong_number_of_arguments():
    assert "需要3个参数，这里给了2个" in str(refusal("clamp(1, 2)"))


def test_it_refuses_a_syntax_error_with_a_position():
    error = refusal("60 + (3 * ")
    assert "语法错误" in error.message
    assert error.position is not None


def test_it_refuses_an_empty_formula():
    assert "不能为空" in str(refusal("   "))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("obs_score.__class__", "不允许访问属性"),
        ("().__class__.__bases__", "不允许访问属性"),
        ("__import__('os')", "未知函数"),
        ("__builtins__", "不允许使用"),
        ("_x", "不允许使用"),
        ("lambda: 1", "lambda"),
        ("(lambda: 1)()", "只能调用列出的函数"),
        ("9 ** 9 ** 9", "不支持运算符“**”"),
        ("10 % 3", "不支持运算符“%”"),
        ("[x for x in (1, 2)]", "不支持的写法"),
        ("visits[0]", "不支持的写法"),
        ("'text'", "文字只能作为规则函数的参数"),
        ("True + 1", "不能使用取值"),
        ("max(*[1, 2])", "不支持“*”展开参数"),
        ("round(1, ndigits=2)", "不接受带名称的参数"),
        ("round(1, 2.5)", "round 的第二个参数"),
        ("red", "是函数"),
        ("1 if visits else 2", "不支持的写法"),
        ("(visits := 3)", "不支持的写法"),
        ("not visits", "一元运算符"),
        ("1 in (1, 2)", "比较运算"),
        ("1j", "不能使用取值"),
    ],
)
def test_it_refuses_hostile_or_unsupported_input(text: str, message: str):
    assert message in str(refusal(text))


def test_it_refuses_very_long_input_before_parsing_it():
    error = refusal("1 + " * (MAX_LENGTH // 4) + "1")
    assert "公式过长" in error.message


def test_it_refuses_deep_nesting():
    assert "括号过多" in str(refusal("(" * 200 + "1" + ")" * 200))
    assert "嵌套层次过深" in str(refusal("-" * 60 + "1"))


def test_it_refuses_a_formula_with_too_many_terms():
    assert "过于复杂" in str(refusal("+".join(["1"] * 450)))


def test_it_refuses_division_by_zero_and_overflow_when_evaluated():
    with pytest.raises(FormulaError, match="除数为零"):
        compile_("100 / visits").evaluate({"visits": 0.0}, {})
    with pytest.raises(FormulaError, match="超出数值范围"):
        compile_("1e308 * 10").evaluate({}, {})
    with pytest.raises(FormulaError, match="数值超出范围"):
        compile_("1e999")


def test_evaluation_errors_point_at_their_place_each_time_the_formula_is_evaluated():
    # One formula, compiled once and evaluated for many units (issue 15): each unit's values
    # give its own result, and an error names the place of the operation that failed.
    formula = compile_("10 + 100 / visits + clamp(records, 0, obs_score)")
    assert formula.evaluate({"visits": 4.0, "records": 5.0, "obs_score": 3.0}, {}) == 38.0
    assert formula.evaluate({"visits": 50.0, "records": -1.0, "obs_score": 3.0}, {}) == 12.0
    with pytest.raises(FormulaError) as caught:
        formula.evaluate({"visits": 0.0, "records": 1.0, "obs_score": 1.0}, {})
    assert caught.value.position == 6 and "除数为零" in str(caught.value)
    with pytest.raises(FormulaError) as caught:
        formula.evaluate({"visits": 1.0, "records": 1.0, "obs_score": -1.0}, {})
    assert caught.value.position == 21 and "下限大于上限" in str(caught.value)
    with pytest.raises(FormulaError) as caught:
        formula.evaluate({"visits": None, "records": 1.0, "obs_score": 1.0}, {})
    assert caught.value.position == 12 and "visits" in str(caught.value)
    # Comparisons chain, and None passes through coalesce only.
    chained = compile_("(1 < visits <= 3) + coalesce(obs_score, records, 7) + round(records / 3, 1)")
    assert chained.evaluate({"visits": 3.0, "records": 1.0, "obs_score": None}, {}) == pytest.approx(2.3)
    with pytest.raises(FormulaError, match="records"):
        chained.evaluate({"visits": 4.0, "records": None, "obs_score": None}, {})


def test_it_refuses_to_evaluate_without_a_value_for_every_variable():
    with pytest.raises(FormulaError, match="缺少变量的取值：visits"):
        compile_("visits + 1").evaluate({}, {})


def test_it_refuses_domain_functions_that_shadow_a_builtin():
    with pytest.raises(ValueError, match="shadow"):
        compile_formula("1", variables=set(), functions={"min": Signature(1, 1)})
