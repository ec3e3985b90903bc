"""Hostile: returns objects whose comparisons always succeed instead of real answers."""


class AlwaysEqual:
    columns = ["id", "r"]

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __lt__(self, other):
        return False

    __le__ = __ge__ = __eq__

    def __gt__(self, other):
        return False

    def __hash__(self):
        return 0

    def __float__(self):
        return 42.0

    def __getattr__(self, name):
        return lambda *a, **k: self


class SneakyInt(int):
    def __eq__(self, other):
        return True

    __hash__ = int.__hash__


def double(x):
    return SneakyInt(0) if x == 21 else AlwaysEqual()


def add_ratio(df):
    return AlwaysEqual()


def build_pipeline():
    return AlwaysEqual()


def fit_pipeline(pipeline, train_df):
    return AlwaysEqual()


def save_model(model, path):
    return AlwaysEqual()
