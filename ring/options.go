package ring

// Option configures a ring at construction.
type Option func(*config)

type config struct {
	producerWait Wait
	consumerWait Wait
}

func defaultConfig() config {
	return config{producerWait: Parking(), consumerWait: Parking()}
}

// WithWait sets the wait strategy of both sides.
func WithWait(w Wait) Option {
	return func(c *config) { c.producerWait, c.consumerWait = w, w }
}

// WithProducerWait sets what producers do while the ring is full.
func WithProducerWait(w Wait) Option { return func(c *config) { c.producerWait = w } }

// WithConsumerWait sets what consumers do while the ring is empty.
func WithConsumerWait(w Wait) Option { return func(c *config) { c.consumerWait = w } }

func buildConfig(opts []Option) config {
	c := defaultConfig()
	for _, o := range opts {
		o(&c)
	}
	return c
}
