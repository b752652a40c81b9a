"""The Gradio app over the ``addition`` library, one module per tab (``python app.py`` runs it).

layout.py          build_demo: the title, the Model menu, the tabs, how the page follows the menu
add_tab.py         Add: a sum answered and checked, each digit's probabilities, held-out questions
learn_tab.py       How it learns: mistakes by carries and lengths, curves, the mistakes gallery
inside_tab.py      Inside: what each answer digit depends on, the states, the carry, the probe
train_tab.py       Train: a visitor's own network, trained while they watch
add_views.py, learn_views.py, inside_views.py, train_settings.py, train_progress.py
                   what each tab shows, as pure functions (tested without a browser)
views.py           what more than one tab shows: a sum's answer, a refusal, folder text made safe
models.py          the models on offer: bundled, named, and each visitor's own
visitor_models.py  each visitor's own, theirs alone, within a fair share
training_queue.py  the queue visitors' trainings wait in, first come first served
worker.py          the process a training runs in, beside the app
training_workers.py
                   the app's side of it: worker processes started ahead, a run handed to one
callbacks.py       what every handler shares: errors in words, the visitor's session
launch.py          python app.py: its arguments, the app's parts, serving
style.css, head.html
measured.json      how long the Train tab's defaults took (written by benchmarks.train_tab_defaults --record)
"""
