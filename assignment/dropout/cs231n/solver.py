"""The CS231n Solver: minibatch training of a classification model."""

import pickle

import numpy as np

from . import optim


class Solver:
    """Trains a classification model with minibatch stochastic gradient descent.

    The Solver runs the update rules of :mod:`cs231n.optim`. After each epoch it
    measures the accuracy on the training and validation sets and keeps a copy
    of the parameters with the best validation accuracy so far; when training
    ends, those best parameters are put back into ``model.params``.

    Example::

        data = {"X_train": ..., "y_train": ..., "X_val": ..., "y_val": ...}
        model = MyAwesomeModel(hidden_size=100, reg=10)
        solver = Solver(model, data,
                        update_rule="sgd",
                        optim_config={"learning_rate": 1e-4},
                        lr_decay=0.95,
                        num_epochs=5, batch_size=200,
                        print_every=100)
        solver.train()

    Minibatches are drawn with the global ``np.random`` (with replacement), so
    ``np.random.seed(...)`` before building and training makes a run repeatable.

    Parameters
    ----------
    model : object
        A model with:

        - ``model.params``: dict from parameter names (e.g. ``"W1"``) to arrays.
        - ``model.loss(X, y=None)``: with ``X`` of shape (N, D) and labels ``y``
          of shape (N,), returns ``(loss, grads)``, a scalar loss and a dict with
          the keys of ``model.params`` mapping each to the gradient of the loss
          with respect to it (same shape as the parameter). With ``y=None``, runs
          a test-time forward pass and returns the scores, of shape (N, C).
    data : dict
        ``"X_train"`` (N_train, D), ``"y_train"`` (N_train,), ``"X_val"``
        (N_val, D), ``"y_val"`` (N_val,); labels are integers in [0, C). Other
        keys are ignored. ``D`` stands for any sample shape, e.g. (3, 32, 32).
    update_rule : str
        Name of an update rule in :mod:`cs231n.optim` (default ``"sgd"``).
    optim_config : dict
        Hyperparameters for the update rule, e.g. ``{"learning_rate": 1e-3}``.
        Each parameter of the model gets its own copy.
    lr_decay : float
        The learning rate is multiplied by this after each epoch (default 1.0).
    batch_size : int
        Minibatch size for the gradient steps (default 100).
    num_epochs : int
        Number of epochs to train for (default 10).
    num_train_samples : int or None
        Number of training samples, drawn at random, on which the training
        accuracy is measured (default 1000); None uses the whole training set.
    num_val_samples : int or None
        Same for the validation accuracy (default None: the whole validation set).
    checkpoint_name : str or None
        If given, the Solver pickles a checkpoint to
        ``"<checkpoint_name>_epoch_<epoch>.pkl"`` each time it measures accuracy.
    print_every : int
        Print the training loss every ``print_every`` iterations (default 10).
    verbose : bool
        If False, print nothing during training (default True).

    Raises
    ------
    ValueError
        If a keyword argument is not one of the above, or ``update_rule`` names
        no rule in :mod:`cs231n.optim`.

    Attributes
    ----------
    loss_history : list of float
        The minibatch loss of every iteration.
    train_acc_history, val_acc_history : list of float
        Accuracies measured after the first iteration and at the end of every
        epoch (``num_epochs + 1`` entries when an epoch has 2 or more iterations).
    best_val_acc : float
        The highest validation accuracy measured.
    best_params : dict
        Copies of ``model.params`` when ``best_val_acc`` was measured.
    epoch : int
        Number of epochs completed.
    """

    def __init__(self, model, data, **kwargs):
        self.model = model
        self.X_train = data["X_train"]
        self.y_train = data["y_train"]
        self.X_val = data["X_val"]
        self.y_val = data["y_val"]

        # Unpack keyword arguments
        self.update_rule = kwargs.pop("update_rule", "sgd")
        self.optim_config = kwargs.pop("optim_config", {})
        self.lr_decay = kwargs.pop("lr_decay", 1.0)
        self.batch_size = kwargs.pop("batch_size", 100)
        self.num_epochs = kwargs.pop("num_epochs", 10)
        self.num_train_samples = kwargs.pop("num_train_samples", 1000)
        self.num_val_samples = kwargs.pop("num_val_samples", None)

        self.checkpoint_name = kwargs.pop("checkpoint_name", None)
        self.print_every = kwargs.pop("print_every", 10)
        self.verbose = kwargs.pop("verbose", True)

        # Throw an error if there are extra keyword arguments
        if len(kwargs) > 0:
            extra = ", ".join(f'"{k}"' for k in kwargs)
            raise ValueError(f"Unrecognized arguments {extra}")

        # Make sure the update rule exists, then replace the string
        # name with the actual function
        if not hasattr(optim, self.update_rule):
            raise ValueError(f'Invalid update_rule "{self.update_rule}"')
        self.update_rule = getattr(optim, self.update_rule)

        self._reset()

    def _reset(self):
        """Set up the bookkeeping of an optimization. Don't call it by hand."""
        self.epoch = 0
        self.best_val_acc = 0
        self.best_params = {}
        self.loss_history = []
        self.train_acc_history = []
        self.val_acc_history = []

        # Make a deep copy of the optim_config for each parameter
        self.optim_configs = {}
        for p in self.model.params:
            d = {k: v for k, v in self.optim_config.items()}
            self.optim_configs[p] = d

    def _step(self):
        """Make one gradient update. Called by train(); don't call it by hand."""
        # Make a minibatch of training data
        num_train = self.X_train.shape[0]
        batch_mask = np.random.choice(num_train, self.batch_size)
        X_batch = self.X_train[batch_mask]
        y_batch = self.y_train[batch_mask]

        # Compute loss and gradient
        loss, grads = self.model.loss(X_batch, y_batch)
        self.loss_history.append(loss)

        # Perform a parameter update
        for p, w in self.model.params.items():
            dw = grads[p]
            config = self.optim_configs[p]
            next_w, next_config = self.update_rule(w, dw, config)
            self.model.params[p] = next_w
            self.optim_configs[p] = next_config

    def _save_checkpoint(self):
        """Pickle the model and the training state, if ``checkpoint_name`` is set."""
        if self.checkpoint_name is None:
            return
        checkpoint = {
            "model": self.model,
            "update_rule": self.update_rule,
            "lr_decay": self.lr_decay,
            "optim_config": self.optim_config,
            "batch_size": self.batch_size,
            "num_train_samples": self.num_train_samples,
            "num_val_samples": self.num_val_samples,
            "epoch": self.epoch,
            "loss_history": self.loss_history,
            "train_acc_history": self.train_acc_history,
            "val_acc_history": self.val_acc_history,
        }
        filename = f"{self.checkpoint_name}_epoch_{self.epoch}.pkl"
        if self.verbose:
            print(f'Saving checkpoint to "{filename}"')
        with open(filename, "wb") as f:
            pickle.dump(checkpoint, f)

    def check_accuracy(self, X, y, num_samples=None, batch_size=100):
        """Accuracy of the model on the given data.

        Parameters
        ----------
        X : numpy.ndarray of shape (N, D)
            Samples.
        y : numpy.ndarray of shape (N,)
            Integer labels in [0, C).
        num_samples : int or None
            If given and smaller than N, measure on ``num_samples`` samples drawn
            at random (with replacement, with ``np.random``).
        batch_size : int
            Run the model on batches of this size, to bound memory use.

        Returns
        -------
        acc : float
            Fraction of the samples whose highest score is their label's.
        """
        # Maybe subsample the data
        N = X.shape[0]
        if num_samples is not None and N > num_samples:
            mask = np.random.choice(N, num_samples)
            N = num_samples
            X = X[mask]
            y = y[mask]

        # Compute predictions in batches
        num_batches = N // batch_size
        if N % batch_size != 0:
            num_batches += 1
        y_pred = []
        for i in range(num_batches):
            start = i * batch_size
            end = (i + 1) * batch_size
            scores = self.model.loss(X[start:end])  # (batch, C)
            y_pred.append(np.argmax(scores, axis=1))
        y_pred = np.hstack(y_pred)
        acc = np.mean(y_pred == y)

        return acc

    def train(self):
        """Run the optimization, then put the best parameters into ``model.params``."""
        num_train = self.X_train.shape[0]
        iterations_per_epoch = max(num_train // self.batch_size, 1)
        num_iterations = self.num_epochs * iterations_per_epoch

        for t in range(num_iterations):
            self._step()

            # Maybe print training loss
            if self.verbose and t % self.print_every == 0:
                print(f"(Iteration {t + 1} / {num_iterations}) loss: {self.loss_history[-1]:f}")

            # At the end of every epoch, increment the epoch counter and decay
            # the learning rate.
            epoch_end = (t + 1) % iterations_per_epoch == 0
            if epoch_end:
                self.epoch += 1
                for k in self.optim_configs:
                    self.optim_configs[k]["learning_rate"] *= self.lr_decay

            # Check train and val accuracy on the first iteration, the last
            # iteration, and at the end of each epoch.
            first_it = t == 0
            last_it = t == num_iterations - 1
            if first_it or last_it or epoch_end:
                train_acc = self.check_accuracy(
                    self.X_train, self.y_train, num_samples=self.num_train_samples
                )
                val_acc = self.check_accuracy(
                    self.X_val, self.y_val, num_samples=self.num_val_samples
                )
                self.train_acc_history.append(train_acc)
                self.val_acc_history.append(val_acc)
                self._save_checkpoint()

                if self.verbose:
                    print(
                        f"(Epoch {self.epoch} / {self.num_epochs}) "
                        f"train acc: {train_acc:f}; val_acc: {val_acc:f}"
                    )

                # Keep track of the best model
                if val_acc > self.best_val_acc:
                    self.best_val_acc = val_acc
                    self.best_params = {}
                    for k, v in self.model.params.items():
                        self.best_params[k] = v.copy()

        # At the end of training swap the best params into the model
        self.model.params = self.best_params
