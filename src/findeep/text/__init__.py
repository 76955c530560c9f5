"""Financial text: a free-text column (headline, analyst note, loan purpose) read by a
text-cnn, text-bilstm or MiniLM encoder beside the table's other columns.

Lives beside the tabular stack, reusing its schema, target, splits, preprocessing, losses,
calibration and bundle format; generic modules never import it.
"""

from findeep.text.estimator import TextClassifier, TextRegressor
from findeep.text.pipeline import TextPipeline, fit_text

__all__ = ["TextClassifier", "TextPipeline", "TextRegressor", "fit_text"]
